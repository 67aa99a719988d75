lib_one_0:
  cmd.run:
    - name: echo lib_one_0
    - onlyif: 'false'
    - watch:
      - lib_one_1
    - prereq:
      - lib_two_1
lib_one_1:
  test.nop:
    - use:
      - lib_one_0
