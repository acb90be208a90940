from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviewbench.reviews"
    label = "reviews"
    verbose_name = "Reviews"
