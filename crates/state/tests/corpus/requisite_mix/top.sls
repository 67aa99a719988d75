base:
  '*': main
