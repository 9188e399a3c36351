"""Wagtail loads this module: the Drills menu group with its scenario viewset."""

from wagtail import hooks

from drills.admin import DrillsViewSetGroup


@hooks.register("register_admin_viewset")
def register_drills_viewsets():
    return DrillsViewSetGroup()
