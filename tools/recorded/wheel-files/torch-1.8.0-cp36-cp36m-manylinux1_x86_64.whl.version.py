__version__ = '1.8.0'
debug = False
cuda = '10.2'
git_version = '37c1f4a7fef115d719104e871d0cf39434aa9d56'
hip = None
