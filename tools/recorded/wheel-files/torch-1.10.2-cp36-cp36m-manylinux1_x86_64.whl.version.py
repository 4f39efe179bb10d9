__version__ = '1.10.2+cu102'
debug = False
cuda = '10.2'
git_version = '71f889c7d265b9636b93ede9d651c0a9c4bee191'
hip = None
