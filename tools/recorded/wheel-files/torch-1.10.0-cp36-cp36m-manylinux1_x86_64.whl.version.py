__version__ = '1.10.0+cu102'
debug = False
cuda = '10.2'
git_version = '36449ea93134574c2a22b87baad3de0bf8d64d42'
hip = None
