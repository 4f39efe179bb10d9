__version__ = '1.4.0'
debug = False
cuda = '10.1'
git_version = '7f73f1d591afba823daa4a99a939217fb54d7688'
hip = None
