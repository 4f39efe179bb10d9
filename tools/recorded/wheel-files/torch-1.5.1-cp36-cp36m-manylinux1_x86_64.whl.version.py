__version__ = '1.5.1'
debug = False
cuda = '10.2'
git_version = '3c31d73c875d9a4a6ea8a843b9a0d1b19fbe36f3'
hip = None
