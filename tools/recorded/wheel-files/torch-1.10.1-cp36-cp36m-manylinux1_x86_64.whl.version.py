__version__ = '1.10.1+cu102'
debug = False
cuda = '10.2'
git_version = '302ee7bfb604ebef384602c56e3853efed262030'
hip = None
