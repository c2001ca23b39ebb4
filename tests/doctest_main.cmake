# A shared doctest main so each test binary compiles only its own cases.
add_library(uplift_test_main STATIC ${PROJECT_SOURCE_DIR}/tests/doctest_main.cpp)
target_link_libraries(uplift_test_main PUBLIC doctest::doctest)
target_include_directories(uplift_test_main PUBLIC ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
