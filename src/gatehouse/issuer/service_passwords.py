"""The password policy on the ``TokenService`` facade (``issuer.password_policy``).

Every command and endpoint that sets a password asks ``check_new_password`` first
(``gatehouse users add`` and ``users passwd``), so the policy of ``[issuer]
password_min_length`` and ``breached_passwords_file`` is declared once and applied the
same way everywhere. The breached list is read on first use and kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatehouse.issuer.config import IssuerConfig

if TYPE_CHECKING:  # loaded by the first password set, which no login is
    from gatehouse.issuer.password_policy import PasswordPolicy

__all__ = ["PasswordPolicyMethods"]


class PasswordPolicyMethods:
    config: IssuerConfig
    _password_policy: PasswordPolicy | None = None

    def password_policy(self) -> PasswordPolicy:
        """The policy from ``[issuer]``, loaded once (``ConfigurationError`` if the list
        file cannot be read)."""
        if self._password_policy is None:
            from gatehouse.issuer.password_policy import PasswordPolicy

            self._password_policy = PasswordPolicy.load(
                self.config.password_min_length, self.config.breached_passwords_file
            )
        return self._password_policy

    def check_new_password(self, password: str) -> None:
        """``WeakPasswordError`` (400 ``invalid_request``) if ``password`` may not be set."""
        self.password_policy().check(password)
