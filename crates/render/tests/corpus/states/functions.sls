{% set shout = salt['cmd.run']('echo hello | tr a-z A-Z') %}
functions:
  test.nop:
    - echo: {{ salt['test.echo']('said') }}
    - echo_attr: {{ salt.test.echo('attr style') }}
    - shell: {{ shout }}
    - true: {{ salt['test.true']() }}
