"""Evidence-of-learning report URLs, included in the reports namespace by urls_reports."""

urlpatterns: list = []
