/* comment /* nested */ */ SELECT 1 -- trailing
; ;; SELECT "name" FROM "accounts"