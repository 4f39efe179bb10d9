__version__ = '1.12.0+cu102'
debug = False
cuda = '10.2'
git_version = '67ece03c8cd632cce9523cd96efde6f2d1cc8121'
hip = None
