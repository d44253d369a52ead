"""The API's pagination (REST_FRAMEWORK's DEFAULT_PAGINATION_CLASS). Its own module: DRF imports it while
``rest_framework.viewsets`` is still loading, so it must not import views."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Every API list: 50 a page by default, ``page_size`` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
