{% set x = 1 %}
{% if x %}
a: 1
