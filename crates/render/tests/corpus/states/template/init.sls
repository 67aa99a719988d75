# -*- coding: utf-8 -*-
# vim: ft=sls
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import template with context %}
{%- from tplroot ~ "/macros.jinja" import files_switch, render_opts, wrapper with context %}

template-package-install-pkg-installed:
  pkg.installed:
    - name: {{ template.pkg.name }}

template-config-file-file-managed:
  file.managed:
    - name: {{ template.config }}
    - source: {{ files_switch(['example.tmpl', 'example.tmpl.jinja'],
                              lookup='template-config-file-file-managed') | indent(6) }}
    - mode: 644
    - user: root
    - group: {{ template.rootgroup }}
    - makedirs: True
    - template: jinja
    - require:
      - pkg: template-package-install-pkg-installed
    - context:
        template: {{ template | json }}
        opts: {{ render_opts({'b': 2, 'a': 'x'}) }}
        wrapped: {% call wrapper() %}  inner {% endcall %}

{%- for name in ['one', 'two', 'three'] %}
{%-   if loop.index > 2 %}{% break %}{% endif %}
template-extra-{{ name }}:
  cmd.run:
    - name: echo {{ name }} {{ loop.index0 }}{{ ' first' if loop.first }}
    - unless: test -f /tmp/{{ name | upper }}
{%- endfor %}

{%- set sites = salt['pillar.get']('nginx:sites', {}) %}
{%- for site, conf in sites.items() if conf.enabled %}
template-site-{{ site }}:
  test.nop:
    - port: {{ conf.port }}
{%- endfor %}
