__version__ = '1.3.0'
debug = False
cuda = '10.1.243'
git_version = u'6742476ba370164af3b8b45bfc2b86b96d286ad6'
