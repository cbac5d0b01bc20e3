app_name = "national"
urlpatterns = []
