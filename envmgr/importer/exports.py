"""Dumps (``conda env export``, a lockfile's package list): keep the direct requests, drop the rest.

A dump lists every installed package with its build string: hundreds of pins, most of them
dependencies of the few packages the author asked for, and many specific to the machine that
made it. A spec wants the requests. The heuristic: keep the torch family (recognised
elsewhere), names people install on purpose, and any name that is not a typical transitive
dependency; drop the typical transitive ones (compiler runtimes, C libraries, BLAS, certificate
and compression libraries, the Jupyter and TensorBoard dependency trees, the CUDA runtime
pieces the torch packages pull in). Everything dropped is reported, summarised.

Platform-only runtimes tell where the dump was made: ``vc``/``vs2015_runtime``/``ucrt``
(Windows), ``libgcc-ng``/``_libgcc_mutex`` (Linux).
"""
from __future__ import annotations

import re

from .sourcefile import Dropped

# Runtime packages only one platform has; conda installs them itself as dependencies.
WINDOWS_ONLY = re.compile(r"^(vc|vc14_runtime|vs20\d\d_runtime|vs20\d\d_win-64|ucrt|m2w64-.*|msys2-.*|"
                          r"pywin32|pywin32-ctypes|pywinpty|winpty|wincertstore|win_inet_pton|"
                          r"menuinst|intel-openmp_win.*)$")
LINUX_ONLY = re.compile(r"^(_libgcc_mutex|libgcc-ng|libstdcxx-ng|libgomp|ld_impl_linux-64|"
                        r".*_linux-64|.*-cos[67]-.*|libgfortran-ng|sysroot_linux-64)$")

_TRANSITIVE_CONDA = re.compile(
    r"^(_.*|python_abi|tzdata|ca-certificates|certifi|openssl|ncurses|readline|sqlite|tk|xz|zlib|zstd|"
    r"lz4-c|lzo|bzip2|expat|gettext|icu|pcre2?|krb5|c-ares|curl|yaml|jpeg|lcms2|giflib|openjpeg|"
    r"freetype|fontconfig|fonts-.*|font-ttf-.*|dbus|glib|glib-tools|gst-plugins-base|gstreamer|"
    r"xorg-.*|mpc|mpfr|gmp|brotli|brotli-bin|brotlipy|pthread-stubs|keyutils|lerc|"
    r"setuptools|wheel|pip|six|typing_extensions|typing-extensions|pycparser|cffi|idna|urllib3|chardet|"
    r"charset-normalizer|pysocks|cryptography|pyopenssl|olefile|"
    r"mkl|mkl-service|mkl_fft|mkl_random|mkl-include|intel-openmp|llvm-openmp|tbb|blas|openblas|"
    r"numpy-base|cudnn|nccl|magma|pytorch-mutex|cuda-(?!version$).*|nvidia-.*|triton|"
    r"libnpp.*|libcu.*|libnv.*|"
    r"lib(gcc|stdcxx|gfortran|gomp|ffi|uuid|xcb|xml2|xslt|iconv|edit|ssh2|curl|nghttp2|ev|sodium|png|"
    r"jpeg-turbo|tiff|webp|webp-base|blas|cblas|lapack|lapacke|openblas|brotli.*|deflate|zlib|lzma|"
    r"sqlite|uv|clang.*|llvm.*|glib|pq|xkbcommon|drm|gl.*|x11|xext|xrender|xau|xdmcp|ice|sm|"
    r"hwloc|abseil|protobuf|grpc|nsl|zip|lzo2|ogg|vorbis|flac|opus|sndfile|intl|theora|vpx|aec|avif.*|"
    r"jxl|dav1d|hwy|ntlm|crc32c|event|utf8proc|re2|snappy|archive|cxx|cxxabi|"
    r"ffi|exif|pciaccess|tool|cap|systemd|udev.*|mpdec|xcrypt|expat|zstd|lzma|"
    r"ssh|evdev|pthread|bz2|pkgconfig|iconv|idn2|unistring|asprintf|"
    r"opencv|protobuf|torch)$|"
    r"pyzmq|zeromq|tornado|traitlets|jupyter_core|jupyter_client|jupyter-core|jupyter-client|"
    r"ipython_genutils|decorator|pickleshare|backcall|wcwidth|prompt-toolkit|prompt_toolkit|"
    r"pygments|parso|jedi|pexpect|ptyprocess|matplotlib-inline|debugpy|nest-asyncio|entrypoints|"
    r"packaging|pyparsing|python-dateutil|pytz|kiwisolver|cycler|fonttools|contourpy|munkres|"
    r"unicodedata2|importlib-metadata|importlib_metadata|zipp|importlib_resources|"
    r"markupsafe|jinja2|absl-py|grpcio|markdown|werkzeug|tensorboard-data-server|"
    r"tensorboard-plugin-wit|google-auth|google-auth-oauthlib|oauthlib|requests-oauthlib|rsa|"
    r"pyasn1|pyasn1-modules|cachetools|blinker|pyjwt|yarl|multidict|aiohttp|async-timeout|"
    r"attrs|frozenlist|aiosignal|filelock|fsspec|networkx|sympy|mpmath|joblib|threadpoolctl|"
    r"exceptiongroup|tomli|platformdirs|appdirs|colorama)$")

_TRANSITIVE_PIP = re.compile(
    r"^(absl-py|cachetools|certifi|charset-normalizer|chardet|idna|urllib3|google-auth|"
    r"google-auth-oauthlib|grpcio|markdown|markupsafe|oauthlib|protobuf|pyasn1|pyasn1-modules|"
    r"requests-oauthlib|rsa|tensorboard-data-server|tensorboard-plugin-wit|werkzeug|six|"
    r"typing-extensions|zipp|importlib-metadata|importlib-resources|packaging|pyparsing|"
    r"python-dateutil|pytz|tzdata|kiwisolver|cycler|fonttools|contourpy|filelock|fsspec|jinja2|"
    r"networkx|sympy|mpmath|nvidia-.*|triton|setuptools|wheel|pip|attrs|decorator|joblib|"
    r"threadpoolctl|exceptiongroup|tomli|platformdirs|colorama|smmap|gitdb|"
    r"pygments|wcwidth|prompt-toolkit|traitlets|tornado|pyzmq|jedi|parso|pexpect|ptyprocess|"
    r"pickleshare|backcall|matplotlib-inline|debugpy|nest-asyncio|entrypoints|"
    r"multidict|yarl|frozenlist|aiosignal|async-timeout|aiohttp|pyjwt|blinker)$")

# A library a paper's author installs on purpose even though it is also somebody's dependency.
_TOP_LEVEL = {"python", "numpy", "scipy", "pandas", "matplotlib", "matplotlib-base", "scikit-learn",
              "scikit-image", "opencv", "py-opencv", "opencv-python", "jupyter", "jupyterlab",
              "notebook", "ipython", "ipykernel", "tqdm", "pyyaml", "h5py", "tensorboard",
              "tensorboardx", "seaborn", "pillow", "requests", "protobuf", "networkx", "sympy",
              "click", "jinja2", "joblib", "numba", "cython", "ninja", "cmake"}


def platform_of_dump(conda_names: list[str], pip_names: list[str]) -> str | None:
    """"win-64" when only Windows runtimes appear, "linux-64" for Linux ones, else None."""
    names = conda_names + pip_names
    windows = any(WINDOWS_ONLY.match(n) for n in names)
    linux = any(LINUX_ONLY.match(n) for n in names)
    if windows and not linux:
        return "win-64"
    if linux and not windows:
        return "linux-64"
    return None


def is_transitive(name: str, manager: str) -> bool:
    if name in _TOP_LEVEL:
        return False
    pattern = _TRANSITIVE_PIP if manager == "pip" else _TRANSITIVE_CONDA
    return bool(pattern.match(name) or WINDOWS_ONLY.match(name) or LINUX_ONLY.match(name))


def drop_transitive(items: list, manager: str, name_of) -> tuple[list, Dropped | None]:
    """Split a dump's items into direct requests and typical transitive pins (one summary)."""
    kept, dropped = [], []
    for item in items:
        (dropped if is_transitive(name_of(item), manager) else kept).append(item)
    if not dropped:
        return kept, None
    names = sorted({name_of(item) for item in dropped})
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    where = "conda" if manager == "conda" else "pip"
    return kept, Dropped(
        f"{len(dropped)} transitive {where} pins ({shown})",
        "the file is a full dump of an installed environment: envmgr keeps the direct requests "
        "and lets the solver choose their dependencies (`envmgr import --keep-pins` keeps these "
        "exact versions as extra pins; `as_of` solves as of the file's date)",
        items=names)


def drop_variant_mutexes(items: list, name_of) -> tuple[list, Dropped | None]:
    """``_openmp_mutex``-style packages, kept out even with --keep-pins: they pick one platform's
    build variant (``4.5=1_gnu``), which the solver derives from the rest."""
    kept, dropped = [], []
    for item in items:
        (dropped if name_of(item).startswith("_") else kept).append(item)
    if not dropped:
        return kept, None
    names = sorted({name_of(item) for item in dropped})
    return kept, Dropped(f"variant mutexes: {', '.join(names)}",
                         "they select one platform's build variant; the solver installs the "
                         "right one as a dependency", items=names)


_DATE = re.compile(r"\b((?:19|20)\d\d)[-/.](0[1-9]|1[0-2])[-/.](0[1-9]|[12]\d|3[01])\b")


def date_of(path, today: str | None = None) -> tuple[str, str] | None:
    """(YYYY-MM-DD, where it came from) for a dump: a date in one of its comment lines
    (``# exported 2021-06-30``), else the file's modification time. None if neither can be read."""
    import datetime as dt

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    for number, line in enumerate(text.splitlines(), 1):
        comment = line.partition("#")[2] if "#" in line else ""
        found = _DATE.search(comment)
        if found:
            try:
                day = dt.date(*(int(x) for x in found.groups())).isoformat()
            except ValueError:
                continue
            return day, f"the date in the file's comment on line {number}"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    day = dt.datetime.fromtimestamp(mtime, dt.timezone.utc).date().isoformat()
    today = today or dt.datetime.now(dt.timezone.utc).date().isoformat()
    caveat = (": a fresh clone or download dates it today, so put the date the authors made it, "
              "if you know it" if day >= today else "")
    return day, f"the file's modification time{caveat}"


def drop_platform_runtimes(items: list, name_of) -> tuple[list, Dropped | None]:
    """Windows/Linux runtime packages: always installed by conda itself where they apply."""
    kept, dropped = [], []
    for item in items:
        name = name_of(item)
        (dropped if WINDOWS_ONLY.match(name) or LINUX_ONLY.match(name) else kept).append(item)
    if not dropped:
        return kept, None
    names = sorted({name_of(item) for item in dropped})
    return kept, Dropped(f"platform runtimes: {', '.join(names)}",
                         "runtime libraries of one platform (e.g. the Windows C runtime vc, "
                         "vs2015_runtime); conda installs them as dependencies where needed",
                         items=names)
