__version__ = '1.0.1'
debug = False
cuda = '9.0.176'
