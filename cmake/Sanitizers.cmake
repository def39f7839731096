# JPEGOPT_SANITIZE=address,undefined builds every target with those sanitizers; recoverable UBSan
# reports are made fatal so a test cannot pass while printing a report.
if(JPEGOPT_SANITIZE)
  add_compile_options(-fsanitize=${JPEGOPT_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${JPEGOPT_SANITIZE})
endif()
