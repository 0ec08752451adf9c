"""Model factories (factory_boy)."""

import datetime

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from training.models import Role, StaffProfile, Unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@hospital.test")
    password = factory.django.Password("pw")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Role {n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Unit {n}")


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    role = factory.SubFactory(RoleFactory)
    unit = factory.SubFactory(UnitFactory)
    employee_id = factory.Sequence(lambda n: f"E{n:05d}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    active = True
