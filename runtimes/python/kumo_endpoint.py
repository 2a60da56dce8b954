"""AWS_ENDPOINT_URL for the boto3 of Kumo's Python runtime (Kumo's own code).

The runtime's boto3 is Debian's (botocore 1.29), older than botocore's
support for the AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables
(1.31.57), which Kumo sets so that the SDK inside a function reaches Kumo.
When that older botocore is imported, its Session.create_client gets the
endpoint from those variables the way newer botocore does (the
service-specific one first) unless the caller names one. Nothing is imported
until the function imports botocore; a newer botocore is left alone.
"""

import importlib.util
import os
import sys

# botocore reads AWS_ENDPOINT_URL itself from this version on.
_NATIVE_SUPPORT = (1, 31, 57)


def install():
    if not any(k == "AWS_ENDPOINT_URL" or k.startswith("AWS_ENDPOINT_URL_") for k in os.environ):
        return
    sys.meta_path.insert(0, _Finder())


def _endpoint_for(service_name):
    specific = os.environ.get("AWS_ENDPOINT_URL_" + service_name.upper().replace("-", "_").replace(" ", "_"))
    return specific or os.environ.get("AWS_ENDPOINT_URL") or None


def _version(v):
    out = []
    for part in v.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


def _patch(module):
    import botocore

    if _version(getattr(botocore, "__version__", "0")) >= _NATIVE_SUPPORT:
        return
    original = module.Session.create_client

    def create_client(self, service_name, *args, **kwargs):
        # Positional order: region_name, api_version, use_ssl, verify, endpoint_url, ...
        if len(args) < 5 and kwargs.get("endpoint_url") is None:
            url = _endpoint_for(service_name)
            if url:
                kwargs["endpoint_url"] = url
        return original(self, service_name, *args, **kwargs)

    create_client.__wrapped__ = original
    module.Session.create_client = create_client


class _Finder:
    """Patches botocore.session once, right after it is first executed."""

    def find_spec(self, name, path=None, target=None):
        if name != "botocore.session":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader_exec = spec.loader.exec_module

        def exec_module(module):
            loader_exec(module)
            try:
                _patch(module)
            except Exception:  # never break the function's import over this
                pass

        spec.loader.exec_module = exec_module
        return spec
