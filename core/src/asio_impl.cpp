// Asio, Asio SSL and Beast compiled once for the whole project (docs/contributing.md, "Build").
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
