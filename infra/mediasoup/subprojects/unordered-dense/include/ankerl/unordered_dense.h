// ankerl::unordered_dense stand-in (see ../../meson.build): the names mediasoup uses, on std containers.
#ifndef ANKERL_UNORDERED_DENSE_SHIM_H
#define ANKERL_UNORDERED_DENSE_SHIM_H
#include <cstddef>
#include <functional>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
namespace ankerl { namespace unordered_dense {
template <class T, class Enable = void> struct hash : std::hash<T> {};
template <class T> struct hash<T, std::enable_if_t<std::is_enum_v<T>>> {
	std::size_t operator()(T v) const noexcept {
		return std::hash<std::underlying_type_t<T>>{}(static_cast<std::underlying_type_t<T>>(v));
	}
};
template <class K, class V, class H = hash<K>, class E = std::equal_to<K>,
          class A = std::allocator<std::pair<const K, V>>>
using map = std::unordered_map<K, V, H, E, A>;
template <class K, class H = hash<K>, class E = std::equal_to<K>, class A = std::allocator<K>>
using set = std::unordered_set<K, H, E, A>;
}} // namespace ankerl::unordered_dense
#endif
