app_name = "synergies"
urlpatterns = []
