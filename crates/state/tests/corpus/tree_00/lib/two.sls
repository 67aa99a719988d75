lib_two_0:
  cmd.run:
    - name: echo lib_two_0
    - onlyif: 'true'
    - watch_in:
      - lib_two_1
lib_two_1:
  test.nop:
    - onfail:
      - lib_1
