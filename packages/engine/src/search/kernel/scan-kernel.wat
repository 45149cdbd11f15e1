;; The exact-scan kernel: scores of one query against many rows of a row-major float32 block, with
;; WebAssembly SIMD. Compiled by scripts/build-scan-kernel.mjs into scan-kernel-bytes.ts.
;;
;; The arithmetic is the JS kernel's (search-kernel.ts) operation for operation, so both give
;; bit-identical scores: every float32 is widened to float64 (f32 x f32 products are exact in f64),
;; element i goes to accumulator i mod 4 (lanes s0 s1 of $a, s2 s3 of $b), a dimension's tail goes to
;; s0, and the result is (s0 + s1) + (s2 + s3).
;;
;; Arguments are byte offsets into the imported memory: $query holds `dim` float64 values, $rows
;; `count` int32 row numbers, $out receives `count` float64 scores; row r starts at $data + r*dim*4.
;;
;; The high half of a float32x4 is widened with a shuffle written out at each use: V8 does not inline
;; WebAssembly calls, and a helper function here cost 5x in throughput.
(module
  (import "env" "memory" (memory 0))

  ;; sum over i of row[i] * query[i]
  (func $dot (param $row i32) (param $query i32) (param $dim i32) (result f64)
    (local $a v128) (local $b v128) (local $v v128) (local $i i32) (local $end i32) (local $s0 f64)
    (local.set $a (f64x2.splat (f64.const 0)))
    (local.set $b (f64x2.splat (f64.const 0)))
    (local.set $end (i32.and (local.get $dim) (i32.const -4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $a (f64x2.add (local.get $a)
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v))
                     (v128.load (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 3)))))))
        (local.set $b (f64x2.add (local.get $b)
          (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
                     (v128.load offset=16 (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 3)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.set $s0 (f64x2.extract_lane 0 (local.get $a)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $dim)))
        (local.set $s0 (f64.add (local.get $s0)
          (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
                   (f64.load (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 3)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (f64.add
      (f64.add (local.get $s0) (f64x2.extract_lane 1 (local.get $a)))
      (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b)))))

  ;; sum over i of (row[i] - query[i])^2
  (func $l2 (param $row i32) (param $query i32) (param $dim i32) (result f64)
    (local $a v128) (local $b v128) (local $v v128) (local $d v128) (local $i i32) (local $end i32) (local $s0 f64) (local $e f64)
    (local.set $a (f64x2.splat (f64.const 0)))
    (local.set $b (f64x2.splat (f64.const 0)))
    (local.set $end (i32.and (local.get $dim) (i32.const -4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v))
                                 (v128.load (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $a (f64x2.add (local.get $a) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
                                 (v128.load offset=16 (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $b (f64x2.add (local.get $b) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.set $s0 (f64x2.extract_lane 0 (local.get $a)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $dim)))
        (local.set $e (f64.sub
          (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 2)))))
          (f64.load (i32.add (local.get $query) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $s0 (f64.add (local.get $s0) (f64.mul (local.get $e) (local.get $e))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (f64.add
      (f64.add (local.get $s0) (f64x2.extract_lane 1 (local.get $a)))
      (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b)))))

  ;; out[j] = dot or squared L2 of query and row rows[j], for j < count.
  (func (export "scoreRows")
    (param $data i32) (param $query i32) (param $rows i32) (param $count i32) (param $dim i32) (param $out i32) (param $l2 i32)
    (local $j i32) (local $row i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $count)))
        (local.set $row (i32.add (local.get $data)
          (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $j) (i32.const 2)))) (local.get $rowBytes))))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3)))
          (if (result f64) (local.get $l2)
            (then (call $l2 (local.get $row) (local.get $query) (local.get $dim)))
            (else (call $dot (local.get $row) (local.get $query) (local.get $dim)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))
)
