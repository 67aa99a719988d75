#!yaml
plain:
  test.nop:
    - name: '{{ not rendered }}'
    - mode: 0644
    - flag: on
