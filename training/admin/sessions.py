"""Sessions in the Wagtail admin (viewsets registered by training.wagtail_hooks)."""
