__version__ = '1.7.1'
debug = False
cuda = '10.2'
git_version = '57bffc3a8e4fee0cce31e1ff1f662ccf7b16db57'
hip = None
