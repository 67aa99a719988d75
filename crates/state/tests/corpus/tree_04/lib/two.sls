lib_two_0:
  test.fail_without_changes:
    - watch:
      - main_0
lib_two_1:
  test.nop:
    - require:
      - sls: main
lib_two_2:
  cmd.run:
    - name: echo lib_two_2
    - onlyif: 'false'
    - watch_in:
      - lib_1
