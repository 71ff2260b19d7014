"""Admins list the people they administer and deactivate them, which closes every device."""


def test_admin_lists_people_of_their_school_only(make, api_as):
    school = make.school()
    admin = make.person("admin", school=school, name="Adele Admin")
    teacher = make.person("teacher", school=school, name="Tom Teacher")
    make.person("teacher", school=make.school(make.district()))
    names = [p["name"] for p in api_as(admin).get("/api/admin/people").get_json()["people"]]
    assert names == ["Adele Admin", "Tom Teacher"]
    assert teacher.id not in names


def test_deactivating_a_person_revokes_all_their_devices(make, api_as, client):
    school = make.school()
    teacher = make.person("teacher", "observer", school=school)
    teacher_api = api_as(teacher)
    tokens = [teacher_api.post("/api/devices", json={}).get_json()["token"] for _ in range(2)]
    admin_api = api_as(make.person("admin", school=school))
    response = admin_api.patch(f"/api/admin/people/{teacher.id}", json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    for token in tokens:
        assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert teacher_api.get("/api/me").status_code == 401
    assert admin_api.patch(f"/api/admin/people/{teacher.id}", json={"active": True}).status_code == 200
    for token in tokens:
        assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_admin_cannot_deactivate_themselves(make, api_as):
    admin = make.person("admin", school=make.school())
    response = api_as(admin).patch(f"/api/admin/people/{admin.id}", json={"active": False})
    assert response.status_code == 422
    assert "active" in response.get_json()["error"]["fields"]


def test_people_outside_scope_are_not_found(make, api_as):
    district = make.district()
    school, other_school = make.school(district), make.school(district)
    stranger = make.person("teacher", school=other_school)
    school_admin = api_as(make.person("admin", school=school))
    assert school_admin.patch(f"/api/admin/people/{stranger.id}", json={"active": False}).status_code == 404
    district_admin = api_as(make.person("admin", district=district))
    assert district_admin.patch(f"/api/admin/people/{stranger.id}", json={"active": False}).status_code == 200


def test_only_admins_manage_people(make, api_as):
    school = make.school()
    teacher = make.person("teacher", school=school)
    for roles in (("teacher",), ("observer",), ("district_staff",)):
        api = api_as(make.person(*roles, school=school))
        assert api.get("/api/admin/people").status_code == 404
        assert api.patch(f"/api/admin/people/{teacher.id}", json={"active": False}).status_code == 404
    assert api_as(None).get("/api/admin/people").status_code == 401


def test_bad_person_updates_are_refused(make, api_as):
    school = make.school()
    teacher = make.person("teacher", school=school)
    api = api_as(make.person("admin", school=school))
    for body in ({}, {"active": "false"}, {"active": 0}, {"active": None}, {"active": False, "nickname": "x"},
                 {"name": " "}, {"roles": []}, {"roles": ["boss"]}, {"roles": "teacher"}, {"school_id": "x"}):
        response = api.patch(f"/api/admin/people/{teacher.id}", json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"]
    assert api.patch(f"/api/admin/people/{teacher.id}", data="{", content_type="application/json").status_code == 400
    assert api.patch("/api/admin/people/not-a-uuid", json={"active": False}).status_code == 404
    assert api.get("/api/me").status_code == 200
    assert api_as(teacher).get("/api/me").status_code == 200


def test_an_admin_reads_one_person_of_their_scope_and_no_one_else(make, api_as):
    district = make.district()
    school, other_school = make.school(district), make.school(district)
    teacher = make.person("teacher", school=school, name="Tom Teacher", email="tom@example.org")
    neighbour = make.person("teacher", school=other_school)
    stranger = make.person("teacher", school=make.school(make.district()))
    school_admin = api_as(make.person("admin", school=school))
    answer = school_admin.get(f"/api/admin/people/{teacher.id}")
    assert answer.status_code == 200
    assert answer.get_json() | {"id": teacher.id, "name": "Tom Teacher", "email": "tom@example.org",
                                "roles": ["teacher"], "active": True} == answer.get_json()
    district_admin = api_as(make.person("admin", district=district))
    assert district_admin.get(f"/api/admin/people/{neighbour.id}").status_code == 200
    # The same answer for another school's person, another district's and no one at all.
    for person_id in (neighbour.id, stranger.id, "no-such-person"):
        assert school_admin.get(f"/api/admin/people/{person_id}").status_code == 404
    assert district_admin.get(f"/api/admin/people/{stranger.id}").status_code == 404
    for roles in (("teacher",), ("observer",), ("district_staff",)):
        assert api_as(make.person(*roles, school=school)).get(f"/api/admin/people/{teacher.id}").status_code == 404
    assert api_as(None).get(f"/api/admin/people/{teacher.id}").status_code == 401
