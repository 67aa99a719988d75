lib_one_0:
  test.succeed_with_changes:
    - prereq:
      - lib_0
lib_one_1:
  cmd.run:
    - name: echo lib_one_1
    - onlyif: 'true'
    - onfail:
      - lib_two_1
    - require_in:
      - lib_0
