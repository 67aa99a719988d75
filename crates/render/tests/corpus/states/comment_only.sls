# only a comment
{# jinja comment #}
