"""Test helpers: a builder of database rows and an API client that speaks like the PWA does."""
import itertools

from server.extensions import db
from server.models import District, Person, School
from server.passwords import hash_password

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


class Builder:
    """Creates committed rows with sensible defaults; every call makes distinct names."""

    def district(self, name=None, timezone="America/Chicago") -> District:
        district = District(name=name or f"District {next(_serial)}", timezone=timezone)
        db.session.add(district)
        db.session.commit()
        return district

    def school(self, district=None, name=None, timezone=None) -> School:
        district = district or self.district()
        school = School(district_id=district.id, name=name or f"School {next(_serial)}", timezone=timezone)
        db.session.add(school)
        db.session.commit()
        return school

    def person(self, *roles, school=None, district=None, name=None, email=None, password=PASSWORD,
               active=True) -> Person:
        """A person with `roles`; scoped to `school` if given, else to `district` (district-wide)."""
        if school is not None:
            district_id = school.district_id
        else:
            district_id = (district or self.district()).id
        n = next(_serial)
        person = Person(district_id=district_id, school_id=school.id if school else None,
                        name=name or f"Person {n}", email=(email or f"person{n}@example.org").lower(),
                        password_hash=hash_password(password) if password else None, active=active)
        person.set_roles(roles or ("teacher",))
        db.session.add(person)
        db.session.commit()
        return person


class ApiClient:
    """Wraps a Flask test client: remembers the CSRF token from sign-in and a device token if set."""

    def __init__(self, client):
        self.client = client
        self.csrf = None
        self.bearer = None

    def login(self, email, password=PASSWORD):
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        self.csrf = response.get_json()["csrf_token"]
        return response

    def open(self, method, url, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.csrf and "X-CSRF-Token" not in headers:
            headers["X-CSRF-Token"] = self.csrf
        if self.bearer and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.bearer}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.open("POST", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.open("PATCH", url, **kwargs)

    def delete(self, url, **kwargs):
        return self.open("DELETE", url, **kwargs)
