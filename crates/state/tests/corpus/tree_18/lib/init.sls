include:
  - .one
  - lib.two
lib_0:
  test.nop:
    - onchanges:
      - main_0
lib_1:
  cmd.run:
    - name: echo lib_1
    - unless: 'true'
lib_2:
  test.fail_without_changes:
    - watch:
      - sls: main
    - watch:
      - main_0
