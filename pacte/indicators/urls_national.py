app_name = "indicators_national"
urlpatterns = []
