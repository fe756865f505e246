"""Front end: a read-only FHIR R4 terminology service and a Swedish-first lookup page.

``create_app(rm)`` is the ASGI application (FastAPI) over one loaded :class:`~raremap.RareMap`;
``raremap serve`` runs it under uvicorn. Needs the ``server`` extra (``pip install 'raremap[server]'``).
"""

from .app import create_app

__all__ = ["create_app"]
