__version__ = '1.9.1+cu102'
debug = False
cuda = '10.2'
git_version = 'dfbd030854359207cb3040b864614affeace11ce'
hip = None
