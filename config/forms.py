"""The login form."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    """Django's login form sets the user name's max_length only on the widget, so an
    overlong name reached authentication, and django-axes then failed to store it (its
    column holds 255 characters): a server error instead of "wrong user name"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))
