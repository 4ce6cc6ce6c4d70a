"""OGC API - Features under /ogc/ (paths as the standard writes them: no trailing slash)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.LandingView.as_view(), name="ogc-landing"),
    path("conformance", views.ConformanceView.as_view(), name="ogc-conformance"),
    path("api", views.ApiView.as_view(), name="ogc-api"),
    path("collections", views.CollectionsView.as_view(), name="ogc-collections"),
    path("collections/<str:collection_id>", views.CollectionView.as_view(), name="ogc-collection"),
    path(
        "collections/<str:collection_id>/queryables",
        views.QueryablesView.as_view(),
        name="ogc-queryables",
    ),
    path("collections/<str:collection_id>/schema", views.SchemaView.as_view(), name="ogc-schema"),
    path("collections/<str:collection_id>/items", views.ItemsView.as_view(), name="ogc-items"),
    path(
        "collections/<str:collection_id>/items/<str:feature_id>",
        views.ItemView.as_view(),
        name="ogc-item",
    ),
    path(
        "collections/<str:collection_id>/tiles", views.TilesetsView.as_view(), name="ogc-tilesets"
    ),
    path(
        "collections/<str:collection_id>/tiles/WebMercatorQuad",
        views.TilesetView.as_view(),
        name="ogc-tileset",
    ),
    path(
        "collections/<str:collection_id>/tiles/WebMercatorQuad/<int:z>/<int:y>/<int:x>",
        views.TileView.as_view(),
        name="ogc-tile",
    ),
]
