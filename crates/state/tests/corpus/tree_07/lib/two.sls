lib_two_0:
  cmd.run:
    - name: echo lib_two_0
    - unless: 'false'
    - listen:
      - lib_two_2
    - watch:
      - lib_one_0
lib_two_1:
  test.succeed_with_changes:
    - comment: plain
lib_two_2:
  cmd.run:
    - name: echo lib_two_2
    - onlyif: 'false'
