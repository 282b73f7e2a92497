# sentilab_set_warnings(target): the project's warning set, applied per target (no global flags).
function(sentilab_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  if(SENTILAB_SANITIZERS)
    # UBSan findings abort (and fail the test) instead of printing and carrying on.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=undefined
                           -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
