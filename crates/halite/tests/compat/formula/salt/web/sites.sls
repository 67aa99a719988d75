{% from "web/map.jinja" import web with context %}
{% for site in web.sites %}
site_{{ site.name }}:
  test.configurable_test_state:
    - name: {{ site.name }}
    - changes: {{ site.get('enabled', True) }}
    - comment: "{{ '%s on port %d'|format(site.name, site.port|default(web.port)) }}"
    - require_in:
      - test: web_service
{% endfor %}
always_fails:
  test.fail_without_changes:
    - name: broken
    - onlyif: 'true'
after_failure:
  test.nop:
    - onfail:
      - test: always_fails
