from django.urls import path

from tandem.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.orders_list, name="list"),
    path("<int:order_id>/", views.order_detail, name="order"),
    path("<int:order_id>/advance/", views.order_advance, name="order_advance"),
    path("<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("<int:order_id>/backorders/", views.order_backorders, name="order_backorders"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/<int:product_id>/", views.product_detail, name="product"),
    path("catalog/<int:product_id>/stock/", views.product_stock, name="product_stock"),
    path("deals/<int:deal_id>/lines/", views.deal_lines, name="deal_lines"),
    path("deals/<int:deal_id>/lines/add/", views.deal_line_add, name="deal_line_add"),
    path("lines/<int:line_id>/", views.deal_line_update, name="deal_line_update"),
    path("lines/<int:line_id>/remove/", views.deal_line_remove, name="deal_line_remove"),
    path("deals/<int:deal_id>/quotes/", views.quote_create, name="quote_create"),
    path("quotes/<int:quote_id>/", views.quote_detail, name="quote"),
    path("quotes/<int:quote_id>/v<int:version>.pdf", views.quote_pdf_download, name="quote_pdf"),
    path("quotes/<int:quote_id>/versions/", views.quote_version_new, name="quote_version_new"),
    path("quotes/<int:quote_id>/accept/", views.quote_accept, name="quote_accept"),
    path("quotes/<int:quote_id>/decline/", views.quote_decline, name="quote_decline"),
]
