// Asio, Asio SSL and Beast compiled once for the whole project (STYLE.md §15).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
