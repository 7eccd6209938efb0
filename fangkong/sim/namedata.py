"""Word lists the synthetic city draws from: surnames with weights, given-name characters by
generation, minority and foreign names, place names, phone prefixes and real county codes.

Pure data (no Django, no randomness). Weights are relative; the generator normalises them.
"""

from __future__ import annotations

#: The 100 most common surnames with their approximate share of the population in percent
#: (Ministry of Public Security household-register rankings, 2019–2020), in rank order.
SURNAMES_TOP100: tuple[tuple[str, float], ...] = (
    ("王", 7.12), ("李", 7.00), ("张", 6.74), ("刘", 5.10), ("陈", 4.61),
    ("杨", 3.22), ("黄", 2.45), ("赵", 2.19), ("吴", 2.08), ("周", 2.06),
    ("徐", 1.67), ("孙", 1.54), ("马", 1.44), ("朱", 1.26), ("胡", 1.16),
    ("郭", 1.15), ("何", 1.06), ("林", 1.01), ("高", 1.00), ("罗", 0.95),
    ("郑", 0.92), ("梁", 0.89), ("谢", 0.80), ("宋", 0.78), ("唐", 0.76),
    ("许", 0.73), ("韩", 0.72), ("邓", 0.69), ("冯", 0.68), ("曹", 0.66),
    ("彭", 0.64), ("曾", 0.62), ("肖", 0.61), ("田", 0.60), ("董", 0.58),
    ("潘", 0.56), ("袁", 0.55), ("蔡", 0.54), ("蒋", 0.53), ("余", 0.52),
    ("于", 0.51), ("杜", 0.50), ("叶", 0.49), ("程", 0.48), ("魏", 0.47),
    ("苏", 0.46), ("吕", 0.45), ("丁", 0.44), ("任", 0.43), ("卢", 0.42),
    ("姚", 0.41), ("沈", 0.40), ("钟", 0.39), ("姜", 0.38), ("崔", 0.37),
    ("谭", 0.36), ("陆", 0.35), ("范", 0.34), ("汪", 0.33), ("廖", 0.32),
    ("石", 0.31), ("金", 0.30), ("韦", 0.29), ("贾", 0.285), ("夏", 0.28),
    ("付", 0.275), ("方", 0.27), ("邹", 0.265), ("熊", 0.26), ("白", 0.255),
    ("孟", 0.25), ("秦", 0.245), ("邱", 0.24), ("侯", 0.235), ("江", 0.23),
    ("尹", 0.225), ("薛", 0.22), ("闫", 0.215), ("段", 0.21), ("雷", 0.205),
    ("龙", 0.20), ("黎", 0.195), ("史", 0.19), ("陶", 0.185), ("贺", 0.18),
    ("毛", 0.175), ("郝", 0.17), ("顾", 0.165), ("龚", 0.16), ("邵", 0.155),
    ("万", 0.15), ("覃", 0.145), ("武", 0.14), ("钱", 0.135), ("戴", 0.13),
    ("严", 0.125), ("莫", 0.12), ("孔", 0.115), ("向", 0.11), ("常", 0.105),
)  # fmt: skip

#: Rarer surnames beyond the top 100, including compound ones (复姓) that search must handle.
SURNAMES_TAIL: tuple[tuple[str, float], ...] = (
    ("汤", 0.10), ("温", 0.10), ("易", 0.09), ("乔", 0.09), ("齐", 0.08), ("柴", 0.05),
    ("祝", 0.06), ("庞", 0.06), ("倪", 0.06), ("鲁", 0.06), ("葛", 0.06), ("伍", 0.06),
    ("施", 0.06), ("牛", 0.06), ("岳", 0.05), ("梅", 0.05), ("聂", 0.05), ("翟", 0.05),
    ("章", 0.05), ("关", 0.05), ("单", 0.04), ("解", 0.03), ("欧阳", 0.04), ("司马", 0.01),
    ("诸葛", 0.01), ("上官", 0.01), ("皇甫", 0.005), ("司徒", 0.01), ("东方", 0.005),
)  # fmt: skip

#: Given-name characters by birth cohort and sex, most frequent first. Each string is a pool;
#: a two-character given name takes its first character from ``first`` and its second from
#: ``second``; a one-character name takes one from ``single``.
GIVEN_POOLS: dict[tuple[str, str], dict[str, str]] = {
    ("old", "M"): {
        "single": "明华军林刚平强文国忠勇德生福海荣斌",
        "first": "建国志振德永秀家立长宝玉金光春庆学",
        "second": "国华明林民军生忠平福成祥山才元海义",
    },
    ("old", "F"): {
        "single": "英兰珍芳秀华琴玉梅霞凤云桂红萍",
        "first": "秀桂玉淑凤素翠美丽金春月彩慧",
        "second": "英兰珍华芳琴梅荣云凤霞秀莲娥",
    },
    ("mid", "M"): {
        "single": "伟强磊军勇杰涛斌超明刚平辉鹏华飞波峰亮建",
        "first": "志建海文晓小国永俊红德卫东新宏立金",
        "second": "伟强军华明峰平勇东辉斌杰林刚鹏波涛",
    },
    ("mid", "F"): {
        "single": "敏静丽艳娟霞燕玲芳红萍婷琳洁慧",
        "first": "丽晓秀海红春小雪美玉艳金亚彩",
        "second": "丽娟红艳霞燕玲芳萍英华梅敏静",
    },
    ("young", "M"): {
        "single": "浩宇鑫磊阳帆杰鹏凯博旭晨涛",
        "first": "子浩宇俊志梓家一明嘉文天思睿",
        "second": "轩宇豪然杰阳涵博辰航铭睿泽晨",
    },
    ("young", "F"): {
        "single": "婷欣佳雪琪悦璐怡洁颖倩",
        "first": "欣子雨梓佳诗思一紫可晓依语",
        "second": "怡涵萱琪彤雯婷妍然欣瑶悦宁诺",
    },
    ("child", "M"): {
        "single": "睿泽宸轩煜航铭瑞",
        "first": "梓子宇浩一俊沐奕皓思铭睿",
        "second": "轩宸泽睿辰航铭然浩宇博霖",
    },
    ("child", "F"): {
        "single": "诺悦萱彤瑶妍恩",
        "first": "梓子一欣雨语诗可沐依若思",
        "second": "涵萱诺彤汐琪悦妍瑶然菲怡",
    },
}

#: Birth-year bounds of the cohorts above (a cohort covers years below its bound).
GIVEN_COHORTS: tuple[tuple[str, int], ...] = (
    ("old", 1960),
    ("mid", 1985),
    ("young", 2008),
    ("child", 9999),
)

#: Share of one-character given names per cohort.
SINGLE_GIVEN_SHARE: dict[str, float] = {"old": 0.30, "mid": 0.40, "young": 0.18, "child": 0.06}

#: Uyghur personal names in Chinese transliteration, written ``own·father's`` (阿卜杜·热合曼).
MINORITY_MALE: tuple[str, ...] = (
    "阿卜杜", "艾买提", "买买提", "吐尔逊", "热合曼", "艾力", "努尔", "玉素甫", "麦麦提",
    "吾斯曼", "阿布都拉", "卡德尔", "牙生", "依明", "艾合买提", "阿里木", "图尔洪", "亚森",
)  # fmt: skip
MINORITY_FEMALE: tuple[str, ...] = (
    "阿依古丽", "古丽娜尔", "帕提古丽", "迪丽热巴", "热依汗", "再努尔", "阿娜尔",
    "米娜瓦尔", "努尔古丽", "祖丽皮亚", "阿米娜", "海丽其汗",
)  # fmt: skip

#: Foreign residents: passport issuing country (ISO 3166 alpha-3), family and given names as
#: printed in the passport's machine-readable zone.
FOREIGN_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "KOR": (
        ("KIM", "LEE", "PARK", "CHOI", "JUNG"),
        ("MINJUN", "JIHOON", "SEOJUN"),
        ("SEOYEON", "JIWOO", "HAYOON"),
    ),
    "JPN": (
        ("SATO", "SUZUKI", "TAKAHASHI", "TANAKA"),
        ("HIROSHI", "TAKUMI", "REN"),
        ("YUI", "AOI", "SAKURA"),
    ),
    "USA": (
        ("SMITH", "JOHNSON", "WILLIAMS", "BROWN"),
        ("JAMES", "MICHAEL", "DAVID"),
        ("MARY", "EMMA", "OLIVIA"),
    ),
    "RUS": (
        ("IVANOV", "SMIRNOV", "KUZNETSOV"),
        ("ALEXEY", "DMITRY", "SERGEY"),
        ("ANNA", "OLGA", "ELENA"),
    ),
    "VNM": (
        ("NGUYEN", "TRAN", "LE", "PHAM"),
        ("VAN ANH", "MINH", "DUC"),
        ("THI HOA", "LAN", "MAI"),
    ),
    "DEU": (
        ("MUELLER", "SCHMIDT", "SCHNEIDER"),
        ("LUKAS", "FELIX", "JONAS"),
        ("LENA", "MIA", "EMMA"),
    ),
    "PAK": (
        ("KHAN", "AHMED", "ALI"),
        ("MUHAMMAD", "HASSAN", "BILAL"),
        ("AYESHA", "FATIMA", "SANA"),
    ),
}

#: Districts (区) of the fictional city; order is shuffled by the seed.
DISTRICT_NAMES: tuple[str, ...] = (
    "清河区", "东湖区", "西岭区", "北塘区", "金沙区", "云台区", "临江区", "凤山区",
    "梅林区", "石湾区", "望海区", "松柏区", "榕城区", "桂园区", "新港区", "翠屏区",
)  # fmt: skip

#: Stems of street (街道) and community (社区) names.
STREET_STEMS: tuple[str, ...] = (
    "建设", "解放", "人民", "和平", "新华", "光明", "朝阳", "东风", "胜利", "长安",
    "滨江", "望江", "华侨", "桂花", "龙湖", "青年", "文化", "府前", "中山", "南门",
    "北关", "西街", "东升", "新村", "沙河", "石桥", "荔湾", "海滨", "白沙", "红星",
    "永安", "兴华", "育才", "环城", "金湖", "前进", "黄岗", "松岗", "柳营", "城南",
)  # fmt: skip
COMMUNITY_STEMS: tuple[str, ...] = (
    "幸福", "和谐", "阳光", "锦绣", "翠苑", "金桥", "碧水", "春晖", "枫林", "玉兰",
    "紫荆", "银湖", "花园", "康宁", "丰泽", "安居", "景秀", "月湖", "双拥", "兴隆",
    "明珠", "长青", "怡和", "德胜", "清风", "荷塘", "桃源", "梧桐", "书院", "泰安",
    "瑞祥", "凤凰", "新苑", "富强", "龙泉", "南湖", "北苑", "东园", "西湖", "天河",
)  # fmt: skip

#: Residential compound (小区) names: a prefix and a suffix.
COMPOUND_PREFIXES: tuple[str, ...] = (
    "锦绣", "翠湖", "金色", "阳光", "华庭", "绿洲", "丽景", "康乐", "泰和", "明珠",
    "东方", "海棠", "紫荆", "书香", "滨江", "香樟", "枫丹", "银杏", "御景", "嘉和",
    "碧水", "星河", "南苑", "怡景", "恒福", "金地", "富华", "城市", "天悦", "云山",
)  # fmt: skip
COMPOUND_SUFFIXES: tuple[str, ...] = (
    "花园", "家园", "小区", "苑", "新村", "公寓", "雅苑", "名都", "华府", "佳园",
)  # fmt: skip

#: Sections of a large compound, used once the prefix × suffix pairs run out.
COMPOUND_SECTIONS: tuple[str, ...] = (
    "东区", "西区", "南区", "北区", "中区", "东苑", "西苑", "南苑", "北苑",
)  # fmt: skip

#: Mobile number prefixes in use (China Mobile, Unicom, Telecom, Broadnet), with weights.
PHONE_PREFIXES: tuple[tuple[str, float], ...] = (
    ("130", 3), ("131", 3), ("132", 3), ("133", 3), ("134", 3), ("135", 6), ("136", 6),
    ("137", 6), ("138", 7), ("139", 7), ("150", 4), ("151", 4), ("152", 4), ("153", 3),
    ("155", 3), ("156", 3), ("157", 3), ("158", 4), ("159", 4), ("166", 1), ("170", 1),
    ("173", 2), ("175", 1), ("176", 2), ("177", 2), ("178", 2), ("180", 3), ("181", 3),
    ("182", 3), ("183", 3), ("184", 1), ("185", 3), ("186", 4), ("187", 3), ("188", 3),
    ("189", 3), ("191", 1), ("193", 1), ("195", 1), ("198", 2), ("199", 2),
)  # fmt: skip

#: County-level codes (GB/T 2260) of other places, used as the birthplace code in the resident
#: IDs of residents who moved to the city.
MIGRANT_COUNTY_CODES: tuple[str, ...] = (
    "110101", "110105", "110108", "120101", "130102", "140105", "210102", "220102",
    "230102", "310101", "310104", "310115", "320102", "330106", "340102", "350102",
    "360102", "370102", "410102", "410105", "420102", "420106", "430102", "440103",
    "440106", "440304", "450103", "500103", "510104", "510107", "520102", "530102",
    "610103", "620102", "650102",
)  # fmt: skip
