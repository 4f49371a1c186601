"""Renderers for the CMS families the replica sites are built on."""

from __future__ import annotations

from ..model import SiteData
from .aspnet import AspNet
from .base import Family
from .baolaichau import BaoLaiChau
from .baovinhphuc import BaoVinhPhuc
from .cityportal import CityPortal
from .epi import Epi
from .nukeviet import NukeViet
from .oldbaobackan import OldBaoBacKan
from .yyyymm import YyyyMm

FAMILIES: dict[str, type[Family]] = {cls.template: cls for cls in (
    NukeViet, CityPortal, BaoVinhPhuc, OldBaoBacKan, BaoLaiChau, Epi, YyyyMm, AspNet)}


def renderer_for(site: SiteData) -> Family:
    return FAMILIES[site.family](site)
