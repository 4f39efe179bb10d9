__version__ = '1.11.0+cu102'
debug = False
cuda = '10.2'
git_version = 'bc2c6edaf163b1a1330e37a6e34caf8c553e4755'
hip = None
