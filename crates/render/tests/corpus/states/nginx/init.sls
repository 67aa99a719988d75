{% from "nginx/map.jinja" import nginx, service_name with context %}

nginx_pkg:
  pkg.installed:
    - name: {{ nginx.package }}

nginx_conf:
  file.managed:
    - name: {{ nginx.conf_dir }}/nginx.conf
    - user: {{ nginx.user }}
    - context:
        workers: {{ nginx.worker_processes }}
        modules: {{ nginx.modules | json }}
        gzip: {{ nginx.config.gzip }}
    - require:
      - pkg: nginx_pkg

{% for site, conf in nginx.get('sites', {}) | dictsort %}
nginx_site_{{ site }}:
  file.{{ 'managed' if conf.enabled else 'absent' }}:
    - name: {{ nginx.conf_dir }}/sites-enabled/{{ site }}
{%- if conf.enabled %}
    - contents: "listen {{ conf.port }};"
{%- endif %}
{% endfor %}

nginx_service:
  service.running:
    - name: {{ service_name(nginx) }}
    - enable: True
    - watch:
      - file: nginx_conf
