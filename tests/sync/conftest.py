"""A school with an observer (two devices), the observed teacher, a second teacher and a stranger."""
import pytest

from tests.sync.helpers import Tablet


class SyncWorld:
    def __init__(self, make, api_as):
        self.school = make.school()
        self.observer = make.person("observer", school=self.school, name="Olive Observer")
        self.teacher = make.person("teacher", school=self.school, name="Theo Teacher")
        self.other_teacher = make.person("teacher", school=self.school)
        self.api_as = api_as
        self.tablet = Tablet(api_as(self.observer), "tablet")
        self.laptop = Tablet(api_as(self.observer), "laptop")
        self.teacher_tablet = Tablet(api_as(self.teacher), "teacher tablet")

    def observation(self, tablet=None, **fields):
        """Create and push an observation from `tablet` (default: the observer's tablet)."""
        tablet = tablet or self.tablet
        record_id = tablet.create_observation(self.school.id, self.teacher.id, self.observer.id, **fields)
        tablet.sync()
        return record_id


@pytest.fixture
def world(make, api_as):
    return SyncWorld(make, api_as)
