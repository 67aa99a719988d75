lib_one_0:
  cmd.run:
    - name: echo lib_one_0
    - onlyif: 'false'
    - use:
      - lib_0
    - watch:
      - lib_two_0
