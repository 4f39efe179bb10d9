__version__ = '1.2.0'
debug = False
cuda = '10.0.130'
git_version = '8554416a199c4cec01c60c7015d8301d2bb39b64'
